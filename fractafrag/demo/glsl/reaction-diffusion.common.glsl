// Gray-Scott reaction-diffusion, shared by Buffers A to D (four steps per frame).
// A buffer pixel stores the two chemical concentrations: x = U (food), y = V (growth).

// Below 1.0 so the explicit five-point update damps pixel-sized checkerboard noise.
const float DIFFUSE_U = 0.8;
const float DIFFUSE_V = 0.4;

// Feed and kill rates drift slowly across the screen and over time, so the pattern
// keeps changing between spots, worms and coral.
vec2 rates(vec2 uv, float time)
{
    float feed = 0.03 + 0.026 * uv.y + 0.002 * sin(0.05 * time);
    float kill = 0.062 + 0.0015 * sin(6.2831 * uv.x + 0.07 * time);
    return vec2(feed, kill);
}

vec2 seed(vec2 fragCoord, vec2 resolution)
{
    vec2 cell = floor(fragCoord / 16.0);
    float h = fract(sin(dot(cell, vec2(12.9898, 78.233))) * 43758.5453);
    float spot = step(0.75, h) * step(length(mod(fragCoord, 16.0) - 8.0), 4.0);
    return vec2(1.0, spot);
}

vec2 reactionStep(sampler2D state, vec2 fragCoord, vec2 resolution, float time)
{
    ivec2 size = ivec2(resolution);
    ivec2 px = ivec2(fragCoord);
    vec2 c = texelFetch(state, px, 0).xy;
    // Five-point stencil, wrapping around the screen edges.
    vec2 laplacian = 0.25 * (texelFetch(state, (px + ivec2(1, 0)) % size, 0).xy +
                             texelFetch(state, (px + ivec2(size.x - 1, 0)) % size, 0).xy +
                             texelFetch(state, (px + ivec2(0, 1)) % size, 0).xy +
                             texelFetch(state, (px + ivec2(0, size.y - 1)) % size, 0).xy) - c;
    vec2 k = rates(fragCoord / resolution, time);
    float reaction = c.x * c.y * c.y;
    float u = c.x + DIFFUSE_U * laplacian.x - reaction + k.x * (1.0 - c.x);
    float v = c.y + DIFFUSE_V * laplacian.y + reaction - (k.x + k.y) * c.y;
    return clamp(vec2(u, v), 0.0, 1.0);
}

vec2 withMouse(vec2 state, vec2 fragCoord, vec4 mouse)
{
    if (mouse.z > 0.0 && length(fragCoord - mouse.xy) < 10.0) state.y = 0.9;
    return state;
}
