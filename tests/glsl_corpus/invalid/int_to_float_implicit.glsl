// GLSL ES has no implicit int-to-float conversion (desktop GLSL does).
void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    float scale = 2; // expect-error
    fragColor = vec4(fragCoord / iResolution.xy * scale, 0.0, 1.0);
}
