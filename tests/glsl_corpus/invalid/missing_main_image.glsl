// expect-error-without-line: a pass with no mainImage cannot be called.
void mainimage(out vec4 fragColor, in vec2 fragCoord)
{
    fragColor = vec4(1.0);
}
