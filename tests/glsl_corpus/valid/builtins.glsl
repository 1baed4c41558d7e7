// Derivatives, rounding and interpolation built-ins of GLSL ES 3.00.
void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = fragCoord / iResolution.xy;
    float grid = fract(uv.x * 10.0);
    float width = fwidth(grid);
    float line = smoothstep(0.0, width * 2.0, grid) * step(0.1, uv.y);
    vec2 snapped = round(uv * 8.0) / 8.0;
    float t = trunc(iTime) + roundEven(0.5);
    vec3 mixed = mix(vec3(0.1), vec3(0.9), bvec3(uv.x > 0.5, false, true));
    float s = sinh(0.5) + cosh(0.5) + tanh(uv.y) + atanh(0.2);
    bool bad = isnan(s) || isinf(s);
    vec2 d = dFdx(uv) + dFdy(uv);
    fragColor = vec4(mixed * line + vec3(snapped, fract(t)) * 0.1 + vec3(length(d)),
                     bad ? 0.0 : 1.0);
}
