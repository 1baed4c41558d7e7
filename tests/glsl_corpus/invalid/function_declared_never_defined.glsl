float fbm(vec2 p); // expect-error

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    fragColor = vec4(vec3(fbm(fragCoord / iResolution.xy)), 1.0);
}
