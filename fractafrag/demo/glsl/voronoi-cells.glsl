// Living Cells: drifting Voronoi cells with glowing membranes and nuclei.

vec2 hash22(vec2 p)
{
    vec3 q = fract(vec3(p.xyx) * vec3(0.1031, 0.1030, 0.0973));
    q += dot(q, q.yzx + 33.33);
    return fract((q.xx + q.yz) * q.zy);
}

// x: distance to the nearest point, y: to the second nearest, zw: nearest cell id.
vec4 voronoi(vec2 p, float time)
{
    vec2 cell = floor(p);
    vec2 local = fract(p);
    float d1 = 8.0;
    float d2 = 8.0;
    vec2 nearest = vec2(0.0);
    for (int y = -1; y <= 1; y++) {
        for (int x = -1; x <= 1; x++) {
            vec2 offset = vec2(float(x), float(y));
            vec2 h = hash22(cell + offset);
            vec2 point = offset + 0.5 + 0.4 * sin(time + 6.2831 * h);
            float d = length(point - local);
            if (d < d1) {
                d2 = d1;
                d1 = d;
                nearest = cell + offset;
            } else if (d < d2) {
                d2 = d;
            }
        }
    }
    return vec4(d1, d2, nearest);
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    vec2 q = 4.0 * p + vec2(0.15 * iTime, 0.05 * iTime);
    vec4 v = voronoi(q, 0.8 * iTime);
    vec2 id = v.zw;
    vec3 tint = 0.55 + 0.45 * cos(6.2831 * (hash22(id).x * 0.35 + vec3(0.55, 0.65, 0.8)));

    float edge = v.y - v.x;
    float membrane = exp(-18.0 * edge);
    float body = smoothstep(0.0, 0.6, edge);
    float nucleus = smoothstep(0.16, 0.1, v.x);
    float pulse = 0.5 + 0.5 * sin(3.0 * iTime + 6.2831 * hash22(id + 7.0).y);

    vec3 color = tint * body * (0.25 + 0.35 * (1.0 - v.x));
    color += vec3(0.6, 0.95, 1.0) * membrane * 1.2;
    color += tint * nucleus * (0.6 + 0.6 * pulse);
    color *= 1.0 - 0.3 * dot(p, p) * 0.3;
    fragColor = vec4(pow(color, vec3(0.85)), 1.0);
}
