// Structs as locals, parameters, return values and nested members.
struct Material {
    vec3 albedo;
    float roughness;
};

struct Hit {
    float t;
    Material material;
};

Hit closest(Hit a, Hit b)
{
    return a.t < b.t ? a : b;
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    Material red = Material(vec3(1.0, 0.1, 0.1), 0.4);
    Hit first = Hit(2.0, red);
    Hit second = Hit(1.5, Material(vec3(0.2, 0.3, 1.0), 0.9));
    Hit best = closest(first, second);
    best.material.albedo *= 0.5 + 0.5 * sin(iTime);
    fragColor = vec4(best.material.albedo, 1.0);
}
