// switch with fall-through and default, nested ternaries, and boolean vectors.
vec3 pick(int which)
{
    vec3 color = vec3(0.0);
    switch (which) {
        case 0:
            color = vec3(1.0, 0.0, 0.0);
            break;
        case 1:
        case 2:
            color = vec3(0.0, 1.0, 0.0);
            break;
        default:
            color = vec3(0.0, 0.0, 1.0);
    }
    return color;
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = fragCoord / iResolution.xy;
    int which = uv.x < 0.25 ? 0 : uv.x < 0.5 ? 1 : uv.x < 0.75 ? 2 : 3;
    bvec2 high = greaterThan(uv, vec2(0.5));
    vec3 color = pick(which);
    if (all(high) || !any(high)) color *= 0.5;
    fragColor = vec4(mix(color, vec3(1.0), vec3(not(high), false)), 1.0);
}
