float brightness(vec2 uv)
{
    return vec3(uv, 1.0); // expect-error
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    fragColor = vec4(vec3(brightness(fragCoord / iResolution.xy)), 1.0);
}
