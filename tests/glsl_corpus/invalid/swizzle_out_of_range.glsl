void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = fragCoord / iResolution.xy;
    float depth = uv.z; // expect-error
    fragColor = vec4(uv, depth, 1.0);
}
