// Mandelbrot Dive: a slow zoom into the seahorse valley and back out.
// Smooth (continuous) escape-time colouring with a cosine palette.

// Navy, blue, white, gold, brown and back to navy, repeating every unit of t.
vec3 palette(float t)
{
    const vec3 NAVY = vec3(0.0, 0.03, 0.15);
    const vec3 BLUE = vec3(0.1, 0.35, 0.75);
    const vec3 WHITE = vec3(0.95, 0.95, 0.88);
    const vec3 GOLD = vec3(1.0, 0.65, 0.1);
    const vec3 BROWN = vec3(0.3, 0.07, 0.02);
    float x = fract(t) * 5.0;
    vec3 color = mix(NAVY, BLUE, smoothstep(0.0, 1.0, x));
    color = mix(color, WHITE, smoothstep(1.0, 2.0, x));
    color = mix(color, GOLD, smoothstep(2.0, 3.0, x));
    color = mix(color, BROWN, smoothstep(3.0, 4.0, x));
    return mix(color, NAVY, smoothstep(4.0, 5.0, x));
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    // Zoom in for 20 s and back out for 20 s, so there is never a jump.
    float phase = 0.5 - 0.5 * cos(6.2831 * iTime / 40.0);
    float zoom = 2.2 * pow(0.5, phase * 15.0);
    vec2 target = vec2(-0.7436439, 0.1318259);
    vec2 center = mix(vec2(-0.6, 0.0), target, smoothstep(0.0, 0.15, phase));

    vec3 color = vec3(0.0);
    // Two samples per pixel keep the filaments from shimmering while zooming.
    for (int s = 0; s < 2; s++) {
        vec2 offset = vec2(float(s) * 0.5 - 0.25);
        vec2 p = (2.0 * (fragCoord + offset) - iResolution.xy) / iResolution.y;
        vec2 c = center + p * zoom;
        vec2 z = vec2(0.0);
        float n = 0.0;
        const float LIMIT = 256.0;
        for (int i = 0; i < 160; i++) {
            z = vec2(z.x * z.x - z.y * z.y, 2.0 * z.x * z.y) + c;
            if (dot(z, z) > LIMIT) break;
            n += 1.0;
        }
        if (n < 159.5) {
            float smoothN = n - log2(log2(dot(z, z))) + 4.0;
            // sqrt spreads the colours evenly from the rim inwards at every zoom depth.
            color += palette(0.3 * sqrt(smoothN) - 0.35 + 0.02 * iTime);
        }
    }
    color *= 0.5;
    fragColor = vec4(pow(color, vec3(0.9)), 1.0);
}
