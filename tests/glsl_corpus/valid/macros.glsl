// Preprocessor: object and function macros, conditionals, line continuation, #undef.
#define PI 3.14159265
#define TAU (2.0 * PI)
#define ROT(a) mat2(cos(a), -sin(a), sin(a), cos(a))
#define SATURATE(x) clamp((x), 0.0, 1.0)
#define LONG_SUM(a, b, c) \
    ((a) + \
     (b) + (c))

#if HW_PERFORMANCE == 0
#define STEPS 8
#else
#define STEPS 16
#endif

#ifdef NOT_DEFINED_ANYWHERE
this line is skipped by the preprocessor
#endif

#define TEMP 1.0
#undef TEMP

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 p = (fragCoord - 0.5 * iResolution.xy) / iResolution.y;
    p = ROT(iTime / TAU) * p;
    float v = 0.0;
    for (int i = 0; i < STEPS; i++) {
        v += SATURATE(sin(p.x * float(i) + iTime)) / float(STEPS);
    }
#if defined(TEMP)
    v = 0.0;
#endif
    fragColor = vec4(vec3(LONG_SUM(v, 0.1, p.y)), 1.0);
}
