void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = fragCoord / iResolution.xy;
    float n = noise(uv * 8.0); // expect-error
    fragColor = vec4(vec3(n), 1.0);
}
