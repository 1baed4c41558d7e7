void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    mat2 rotation = mat2(1.0);
    vec3 p = vec3(fragCoord, 1.0);
    vec3 q = rotation * p; // expect-error
    fragColor = vec4(q, 1.0);
}
