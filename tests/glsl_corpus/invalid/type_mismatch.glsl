void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = fragCoord / iResolution.xy;
    vec3 color = uv; // expect-error
    fragColor = vec4(color, 1.0);
}
