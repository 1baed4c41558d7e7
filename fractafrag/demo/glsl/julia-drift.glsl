// Julia Drift: the Julia set of c = 0.7885 e^(i t) as c circles the Mandelbrot boundary.
// Coloured by escape time and by an orbit trap (closest approach to a small circle).

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 z = 1.3 * (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    float angle = 0.25 * iTime;
    vec2 c = 0.7885 * vec2(cos(angle), sin(angle));
    if (iMouse.z > 0.0) {
        c = 2.0 * (2.0 * iMouse.xy - iResolution.xy) / iResolution.y;
    }

    float trap = 1e9;
    float n = 0.0;
    for (int i = 0; i < 120; i++) {
        z = vec2(z.x * z.x - z.y * z.y, 2.0 * z.x * z.y) + c;
        trap = min(trap, abs(length(z - vec2(0.2, 0.0)) - 0.3));
        if (dot(z, z) > 64.0) break;
        n += 1.0;
    }
    float escape = n < 119.5 ? (n - log2(log2(dot(z, z)))) / 120.0 : 0.0;
    vec3 glow = vec3(0.2, 0.55, 1.0) * pow(clamp(escape * 3.0, 0.0, 1.0), 0.7);
    vec3 orbit = mix(vec3(1.0, 0.45, 0.1), vec3(1.0, 0.95, 0.8), exp(-12.0 * trap));
    vec3 color = glow + orbit * exp(-4.0 * trap) * (n > 119.5 ? 1.0 : 0.35);
    color = 1.0 - exp(-1.6 * color);
    fragColor = vec4(color, 1.0);
}
