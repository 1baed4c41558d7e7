// Fractafrag adds the #version line itself; repeating it is an error.
#version 300 es // expect-error
void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    fragColor = vec4(1.0);
}
