// Functions with out and inout parameters, overloads and a forward declaration.
void polar(in vec2 p, out float radius, out float angle)
{
    radius = length(p);
    angle = atan(p.y, p.x);
}

void grow(inout vec3 color, float amount)
{
    color += amount;
}

float shade(float x) { return x * x; }
vec2 shade(vec2 x) { return x * x; }

float later(float x);

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 p = fragCoord / iResolution.xy - 0.5;
    float r, a;
    polar(p, r, a);
    vec3 color = vec3(shade(r), shade(vec2(a)) * 0.1);
    grow(color, later(0.05));
    fragColor = vec4(color, 1.0);
}

float later(float x)
{
    return x * 2.0;
}
