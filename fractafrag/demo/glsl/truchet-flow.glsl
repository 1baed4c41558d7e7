// Truchet Flow: randomly turned quarter-circle tiles join into endless flowing paths.

float hash(vec2 p)
{
    return fract(sin(dot(p, vec2(127.1, 311.7))) * 43758.5453);
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    float t = iTime;
    vec2 uv = p * 4.0 + vec2(0.2 * t, 0.1 * t);
    vec2 cell = floor(uv);
    vec2 local = fract(uv) - 0.5;
    float flip = hash(cell) > 0.5 ? 1.0 : -1.0;
    local.x *= flip;

    // Distance to the two arcs centred on opposite corners of the tile.
    vec2 corner = local.x + local.y > 0.0 ? vec2(0.5) : vec2(-0.5);
    vec2 d = local - corner;
    float arc = abs(length(d) - 0.5);
    float along = atan(d.y, d.x);
    // Checkerboard parity flips the direction so the flow joins up from tile to tile.
    float parity = mod(cell.x + cell.y, 2.0) * 2.0 - 1.0;
    float flow = fract(parity * flip * along * 2.0 / 3.14159 + 1.5 * t);

    float width = 0.12;
    float band = smoothstep(width, width - 0.02, arc);
    float core = exp(-120.0 * arc * arc);
    float pulse = smoothstep(0.0, 0.15, flow) * smoothstep(1.0, 0.3, flow);
    vec3 base = 0.5 + 0.5 * cos(6.2831 * (0.05 * (cell.x + cell.y) + 0.05 * t + vec3(0.0, 0.2, 0.4)));
    vec3 color = vec3(0.03, 0.04, 0.07);
    color = mix(color, base * 0.35, band);
    color += base * core * (0.3 + 1.5 * pulse);
    color += 0.06 * vec3(0.6, 0.8, 1.0) * smoothstep(0.49, 0.5, max(abs(fract(uv.x) - 0.5), abs(fract(uv.y) - 0.5)));
    color *= 1.0 - 0.15 * dot(p, p);
    fragColor = vec4(pow(color, vec3(0.85)), 1.0);
}
