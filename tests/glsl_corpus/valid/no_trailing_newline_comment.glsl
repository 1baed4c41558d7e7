void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    fragColor = vec4(1.0, 0.5, 0.0, 1.0);
}
// the file ends inside this line comment, with no newline