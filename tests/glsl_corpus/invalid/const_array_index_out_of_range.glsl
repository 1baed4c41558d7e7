const float LEVELS[3] = float[3](0.2, 0.5, 0.8);

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    float level = LEVELS[3]; // expect-error
    fragColor = vec4(vec3(level), 1.0);
}
