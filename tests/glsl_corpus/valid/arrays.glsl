// Constant arrays, array constructors, .length() and indexing with a loop variable.
const vec3 PALETTE[4] = vec3[4](
    vec3(0.1, 0.1, 0.2),
    vec3(0.8, 0.3, 0.2),
    vec3(0.9, 0.8, 0.3),
    vec3(1.0)
);

float weights[3] = float[](0.25, 0.5, 0.25);

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = fragCoord / iResolution.xy;
    int index = int(clamp(uv.x * 4.0, 0.0, 3.0));
    vec3 color = PALETTE[index];
    float blur = 0.0;
    for (int i = 0; i < weights.length(); i++) {
        blur += weights[i] * uv.y;
    }
    vec2 offsets[2];
    offsets[0] = vec2(1.0, 0.0);
    offsets[1] = vec2(0.0, 1.0);
    fragColor = vec4(color * blur + vec3(offsets[1], 0.0) * 0.1, 1.0);
}
