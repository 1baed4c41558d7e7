// Coral Growth: shades the reaction-diffusion state from Buffer D (iChannel0) as a relief.

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 texel = 1.0 / iResolution.xy;
    vec2 uv = fragCoord * texel;
    float v = texture(iChannel0, uv).y;
    float dx = texture(iChannel0, uv + vec2(texel.x, 0.0)).y - texture(iChannel0, uv - vec2(texel.x, 0.0)).y;
    float dy = texture(iChannel0, uv + vec2(0.0, texel.y)).y - texture(iChannel0, uv - vec2(0.0, texel.y)).y;
    vec3 n = normalize(vec3(-dx, -dy, 0.08));
    vec3 light = normalize(vec3(-0.5, 0.6, 0.6));
    float diffuse = clamp(dot(n, light), 0.0, 1.0);
    float specular = pow(clamp(dot(reflect(-light, n), vec3(0.0, 0.0, 1.0)), 0.0, 1.0), 20.0);

    float growth = smoothstep(0.1, 0.35, v);
    vec3 water = mix(vec3(0.02, 0.1, 0.18), vec3(0.05, 0.25, 0.35), uv.y);
    vec3 coral = mix(vec3(1.0, 0.45, 0.35), vec3(1.0, 0.85, 0.55), smoothstep(0.25, 0.45, v));
    vec3 color = mix(water, coral * (0.35 + 0.75 * diffuse), growth);
    color += 0.4 * specular * growth;
    fragColor = vec4(pow(color, vec3(0.9)), 1.0);
}
