// Firefly Trails: shows Buffer A's trails (iChannel0) with a soft glow and tone mapping.

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 texel = 1.0 / iResolution.xy;
    vec2 uv = fragCoord * texel;
    vec3 color = texture(iChannel0, uv).rgb;
    vec3 glow = vec3(0.0);
    // A small ring of taps gives a cheap bloom.
    for (int i = 0; i < 8; i++) {
        float a = 6.2831 * float(i) / 8.0;
        glow += texture(iChannel0, uv + 6.0 * texel * vec2(cos(a), sin(a))).rgb;
    }
    color += 0.06 * glow;
    vec3 night = mix(vec3(0.01, 0.015, 0.04), vec3(0.03, 0.05, 0.1), uv.y);
    color = night + 1.0 - exp(-1.2 * color);
    fragColor = vec4(pow(color, vec3(0.9)), 1.0);
}
