// Hex Tunnel: a twisting tunnel lined with glowing hexagons, made in polar coordinates.
// iChannel0 (gray noise) adds grit to the tiles.

const vec2 HEX = vec2(1.0, 1.7320508);
// A whole number of hexagons around the tunnel, so the pattern closes on itself.
const float AROUND = 10.0;

// xy: position inside the nearest hexagon, zw: that hexagon's centre.
vec4 hexTile(vec2 p)
{
    vec4 centers = floor(vec4(p, p - vec2(0.5, 1.0)) / HEX.xyxy) + 0.5;
    vec2 a = p - centers.xy * HEX;
    vec2 b = p - (centers.zw + 0.5) * HEX;
    return dot(a, a) < dot(b, b) ? vec4(a, centers.xy) : vec4(b, centers.zw + 0.5);
}

float hexEdge(vec2 local)
{
    vec2 a = abs(local);
    return 0.5 - max(dot(a, HEX * 0.5), a.x);
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    float t = iTime;
    p += 0.2 * vec2(sin(0.7 * t), cos(0.5 * t));
    float radius = length(p);
    float angle = atan(p.y, p.x);
    float depth = 0.6 / radius + 1.5 * t;
    float twist = angle / 6.2831853 * AROUND + 0.3 * depth + 0.2 * t;
    vec2 uv = vec2(twist, 1.5 * depth);

    vec4 hex = hexTile(uv);
    float edge = hexEdge(hex.xy);
    // The column wraps around AROUND, so tiles match across the atan() seam.
    vec2 cell = vec2(mod(hex.z, AROUND), hex.w);
    float id = cell.x + 7.0 * cell.y;
    float grit = texture(iChannel0, 0.3 * hex.xy + fract(0.618 * id)).r;
    float flash = pow(0.5 + 0.5 * sin(id * 1.7 + 2.0 * t), 8.0);
    vec3 tile = 0.5 + 0.5 * cos(6.2831 * (0.08 * depth + vec3(0.0, 0.15, 0.3)));
    tile *= 0.2 + 0.25 * grit + 1.4 * flash;
    vec3 glow = vec3(1.0, 0.45, 0.85) * exp(-40.0 * edge);
    vec3 color = tile * smoothstep(0.0, 0.06, edge) + glow;
    // Fog towards the far end hides the sub-pixel tiles there.
    color *= smoothstep(0.02, 0.4, radius);
    color += vec3(0.9, 0.6, 1.0) * 0.02 / (radius + 0.05);
    color = 1.0 - exp(-1.3 * color);
    fragColor = vec4(color, 1.0);
}
