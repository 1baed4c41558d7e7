// Every error is reported, not only the first one.
void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    float a = missingOne; // expect-error
    vec2 uv = fragCoord / iResolution.xy;
    int b = uv.x; // expect-error
    fragColor = vec4(a);
}
