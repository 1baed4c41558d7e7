// Matrix constructors and ES 3.00 matrix built-ins.
void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    float a = iTime * 0.3;
    mat2 rot = mat2(cos(a), sin(a), -sin(a), cos(a));
    mat3 m = mat3(1.0, 0.2, 0.0,
                  0.0, 1.0, 0.3,
                  0.1, 0.0, 1.0);
    mat3 back = inverse(m) * transpose(m);
    mat2x3 wide = mat2x3(1.0);
    vec3 v = wide * (rot * (fragCoord / iResolution.xy));
    mat3 outer = outerProduct(v, vec3(0.5));
    float d = determinant(back);
    fragColor = vec4(outer[0] * d, 1.0);
}
