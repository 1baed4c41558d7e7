void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = fragCoord / iResolution.xy;
    float uv = 1.0; // expect-error
    fragColor = vec4(uv, 0.0, 1.0);
}
