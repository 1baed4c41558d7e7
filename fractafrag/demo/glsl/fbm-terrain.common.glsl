// Value noise with analytic derivatives, shared by the terrain and its normals.

float hash12(vec2 p)
{
    vec3 q = fract(vec3(p.xyx) * 0.1031);
    q += dot(q, q.yzx + 33.33);
    return fract((q.x + q.y) * q.z);
}

// xy: derivative, z: value.
vec3 noised(vec2 p)
{
    vec2 i = floor(p);
    vec2 f = fract(p);
    vec2 u = f * f * (3.0 - 2.0 * f);
    vec2 du = 6.0 * f * (1.0 - f);
    float a = hash12(i);
    float b = hash12(i + vec2(1.0, 0.0));
    float c = hash12(i + vec2(0.0, 1.0));
    float d = hash12(i + vec2(1.0, 1.0));
    float k = a - b - c + d;
    return vec3(du * (vec2(b - a, c - a) + k * u.yx), a + (b - a) * u.x + (c - a) * u.y + k * u.x * u.y);
}

const mat2 ROTATE = mat2(0.8, -0.6, 0.6, 0.8);

// Steep slopes get less detail added, which reads as erosion.
float terrain(vec2 p, int octaves)
{
    float height = 0.0;
    float amp = 1.0;
    vec2 slope = vec2(0.0);
    for (int i = 0; i < 8; i++) {
        if (i >= octaves) break;
        vec3 n = noised(p);
        slope += n.xy;
        height += amp * n.z / (1.0 + dot(slope, slope));
        amp *= 0.5;
        p = ROTATE * p * 2.0;
    }
    return height;
}
