const float SPEED = 1.0;

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    SPEED = 2.0; // expect-error
    fragColor = vec4(fragCoord / iResolution.xy * SPEED, 0.0, 1.0);
}
