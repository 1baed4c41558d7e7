// Kaleidoscope: mirror folds in polar space turn a few moving lines into a mandala.

const float PI = 3.14159265;

vec2 fold(vec2 p, float segments)
{
    float sector = 2.0 * PI / segments;
    float a = mod(atan(p.y, p.x) + 0.5 * sector, sector) - 0.5 * sector;
    return length(p) * vec2(cos(abs(a)), sin(abs(a)));
}

mat2 rotate(float a)
{
    float c = cos(a);
    float s = sin(a);
    return mat2(c, s, -s, c);
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    float t = 0.3 * iTime;
    p *= rotate(0.1 * t);
    float r = length(p);
    vec3 color = vec3(0.0);
    vec2 q = fold(p, 8.0);
    for (int i = 0; i < 5; i++) {
        q = abs(q * 1.45 - vec2(0.75 + 0.15 * sin(t + float(i)), 0.3)) - 0.2;
        q *= rotate(0.6 + 0.25 * sin(0.7 * t));
        q = fold(q, 6.0);
        float line = abs(q.y) * exp(-0.6 * float(i));
        vec3 hue = 0.5 + 0.5 * cos(6.2831 * (0.12 * float(i) + 0.6 * r - 0.15 * t + vec3(0.0, 0.33, 0.67)));
        color += hue * 0.012 / (line + 0.012) * exp(-0.35 * float(i));
    }
    color *= smoothstep(1.6, 0.2, r);
    color = 1.0 - exp(-1.2 * color);
    fragColor = vec4(pow(color, vec3(0.9)), 1.0);
}
