// Common-style helpers, globals and consts defined in the pass itself.
const float EPSILON = 0.001;
const int MAX_STEPS = 48;
float gTime;

float sdSphere(vec3 p, float r) { return length(p) - r; }

float sdBox(vec3 p, vec3 b)
{
    vec3 q = abs(p) - b;
    return length(max(q, 0.0)) + min(max(q.x, max(q.y, q.z)), 0.0);
}

float smin(float a, float b, float k)
{
    float h = clamp(0.5 + 0.5 * (b - a) / k, 0.0, 1.0);
    return mix(b, a, h) - k * h * (1.0 - h);
}

float map(vec3 p)
{
    return smin(sdSphere(p - vec3(sin(gTime), 0.0, 0.0), 0.5), sdBox(p, vec3(0.4)), 0.3);
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    gTime = iTime;
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    vec3 ro = vec3(0.0, 0.0, 3.0);
    vec3 rd = normalize(vec3(p, -1.5));
    float t = 0.0;
    for (int i = 0; i < MAX_STEPS; i++) {
        float d = map(ro + rd * t);
        if (d < EPSILON) break;
        t += d;
    }
    fragColor = vec4(vec3(exp(-0.3 * t)), 1.0);
}
