vec4 mainImage(out vec4 fragColor, in vec2 fragCoord) // expect-error
{
    fragColor = vec4(fragCoord / iResolution.xy, 0.0, 1.0);
    return fragColor;
}
