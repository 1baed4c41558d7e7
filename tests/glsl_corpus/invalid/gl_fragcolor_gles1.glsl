// gl_FragColor does not exist in GLSL ES 3.00; write to the out parameter instead.
void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    fragColor = vec4(0.0);
    gl_FragColor = vec4(1.0, 0.0, 0.0, 1.0); // expect-error
}
