// Neon Plasma: interfering sine fields run through a cosine palette.

vec3 palette(float t)
{
    return 0.5 + 0.5 * cos(6.2831 * (t + vec3(0.0, 0.33, 0.67)));
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    float t = 0.6 * iTime;
    float v = sin(3.0 * p.x + t);
    v += sin(3.0 * (p.x * sin(0.5 * t) + p.y * cos(0.3 * t)) + t);
    vec2 c = p + 0.8 * vec2(sin(0.4 * t), cos(0.5 * t));
    v += sin(sqrt(40.0 * dot(c, c) + 1.0) - 1.5 * t);
    v += sin(5.0 * length(p - vec2(0.6 * cos(0.3 * t), 0.0)) - t);
    v *= 0.25;

    vec3 color = palette(v + 0.1 * t);
    color *= 0.75 + 0.25 * sin(6.2831 * v * 3.0);
    float lines = 0.9 + 0.1 * sin(fragCoord.y * 3.14159);
    color = pow(color, vec3(1.4)) * 1.3 * lines;
    fragColor = vec4(color, 1.0);
}
