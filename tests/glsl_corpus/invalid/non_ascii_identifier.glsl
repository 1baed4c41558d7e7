void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    float π = 3.14159; // expect-error
    fragColor = vec4(1.0);
}
