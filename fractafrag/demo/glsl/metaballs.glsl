// Lava Metaballs: seven balls share one implicit field; colours blend where they merge.
// Hold the mouse button to add a ball under the pointer.

const int BALLS = 7;

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    float field = 0.0;
    vec3 tint = vec3(0.0);
    for (int i = 0; i < BALLS; i++) {
        float fi = float(i);
        vec2 center = vec2(0.9 * sin(0.45 * iTime * (1.0 + 0.13 * fi) + 1.7 * fi),
                           0.55 * cos(0.37 * iTime * (1.0 + 0.21 * fi) + 2.3 * fi));
        float radius = 0.22 + 0.07 * sin(fi * 3.1);
        // The small constant keeps the weight finite at the very centre of a ball.
        float w = radius * radius / (dot(p - center, p - center) + 1e-4);
        field += w;
        tint += w * (0.55 + 0.45 * cos(6.2831 * (fi / float(BALLS) * 0.8 + vec3(0.0, 0.15, 0.3))));
    }
    if (iMouse.z > 0.0) {
        vec2 m = (2.0 * iMouse.xy - iResolution.xy) / iResolution.y;
        float w = 0.06 / (dot(p - m, p - m) + 1e-4);
        field += w;
        tint += w * vec3(1.0, 0.9, 0.5);
    }
    tint /= field;

    float inside = smoothstep(0.95, 1.05, field);
    float rim = exp(-8.0 * abs(field - 1.0));
    vec3 background = mix(vec3(0.08, 0.02, 0.05), vec3(0.2, 0.05, 0.02), fragCoord.y / iResolution.y);
    background += tint * 0.15 * smoothstep(0.2, 1.0, field);
    vec3 lava = tint * (1.0 + 0.3 * log(min(field, 6.0)));
    vec3 color = mix(background, lava, inside) + vec3(1.0, 0.8, 0.5) * rim * 0.5;
    fragColor = vec4(pow(color, vec3(0.9)), 1.0);
}
