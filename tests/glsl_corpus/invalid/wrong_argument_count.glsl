float circle(vec2 p, float radius)
{
    return smoothstep(radius, radius - 0.01, length(p));
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 p = (fragCoord - 0.5 * iResolution.xy) / iResolution.y;
    float c = circle(p); // expect-error
    fragColor = vec4(vec3(c), 1.0);
}
