// Sunset Clouds: domain-warped fractal noise drifting across a dusk sky.
// Each cloud is lit by comparing its density with the density one step towards the sun.

float hash(vec2 p)
{
    p = fract(p * vec2(123.34, 456.21));
    p += dot(p, p + 45.32);
    return fract(p.x * p.y);
}

float noise(vec2 p)
{
    vec2 i = floor(p);
    vec2 f = fract(p);
    vec2 u = f * f * (3.0 - 2.0 * f);
    return mix(mix(hash(i), hash(i + vec2(1.0, 0.0)), u.x),
               mix(hash(i + vec2(0.0, 1.0)), hash(i + vec2(1.0, 1.0)), u.x), u.y);
}

float fbm(vec2 p)
{
    const mat2 turn = mat2(1.6, 1.2, -1.2, 1.6);
    float sum = 0.0;
    float amp = 0.5;
    for (int i = 0; i < 5; i++) {
        sum += amp * noise(p);
        p = turn * p;
        amp *= 0.5;
    }
    return sum;
}

float cloudDensity(vec2 q, float t)
{
    vec2 warp = vec2(fbm(q + vec2(0.0, t)), fbm(q + vec2(5.2, 1.3) - t));
    return smoothstep(0.38, 0.74, fbm(q + 1.6 * warp + vec2(t, 0.0)));
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    float t = 0.06 * iTime;
    vec2 sunPos = vec2(0.45, -0.28);

    vec3 skyTop = vec3(0.1, 0.14, 0.36);
    vec3 skyLow = vec3(1.0, 0.5, 0.28);
    vec3 sky = mix(skyLow, skyTop, smoothstep(-0.5, 0.9, p.y));
    float sunDist = length(p - sunPos);
    sky += vec3(1.0, 0.85, 0.55) * (2.5 * smoothstep(0.07, 0.05, sunDist) + 0.5 * exp(-3.0 * sunDist));

    // Clouds stretch sideways towards the horizon, a cheap hint of perspective.
    vec2 q = vec2(p.x * 1.4, p.y * 2.6) / (0.6 + 0.4 * clamp(p.y + 0.6, 0.0, 1.5));
    float density = cloudDensity(q, t);
    vec2 toSun = normalize(sunPos - p) * 0.12;
    float shadowed = cloudDensity(q + toSun, t);
    float lit = clamp(0.55 + 2.0 * (density - shadowed), 0.0, 1.0);
    vec3 shade = mix(vec3(0.3, 0.17, 0.28), vec3(1.0, 0.72, 0.5), lit);
    // Thin cloud near the sun glows (forward scattering).
    shade += vec3(1.0, 0.6, 0.3) * exp(-2.5 * sunDist) * (1.0 - density) * 1.2;
    float cover = density * smoothstep(-0.75, -0.25, p.y);
    vec3 color = mix(sky, shade, cover);
    color = 1.0 - exp(-1.5 * color);
    fragColor = vec4(pow(color, vec3(0.85)), 1.0);
}
