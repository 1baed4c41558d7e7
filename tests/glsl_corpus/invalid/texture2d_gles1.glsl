// texture2D is GLSL ES 1.00; ES 3.00 only has texture().
void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = fragCoord / iResolution.xy;
    fragColor = texture2D(iChannel0, uv); // expect-error
}
