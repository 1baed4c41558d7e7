// for, while and do-while loops with break/continue and a non-constant bound.
void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = fragCoord / iResolution.xy;
    float acc = 0.0;
    int limit = 4 + int(mod(iTime, 4.0));
    for (int i = 0; i < limit; i++) {
        if (i == 2) continue;
        acc += 0.1 * float(i);
    }
    int n = 0;
    while (n < 10) {
        n += 3;
        if (acc > 10.0) break;
    }
    float x = uv.x;
    do {
        x *= 0.5;
    } while (x > 0.1);
    fragColor = vec4(acc, float(n) / 10.0, x, 1.0);
}
