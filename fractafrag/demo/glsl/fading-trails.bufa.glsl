// Buffer A: last frame (iChannel0, this buffer itself) dimmed, plus the fireflies now.

const int FLIES = 9;

vec2 flyPosition(int i, float t)
{
    float fi = float(i);
    vec2 freq = vec2(1.0 + mod(fi, 3.0), 2.0 + mod(fi * 1.7, 3.0)) * 0.35;
    return vec2(0.85 * sin(freq.x * t + fi * 1.3), 0.75 * sin(freq.y * t + fi * 2.1));
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = fragCoord / iResolution.xy;
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    vec3 previous = texture(iChannel0, uv).rgb;
    // Fade by time, not by frame, so trails look the same at any frame rate.
    vec3 color = previous * exp(-1.6 * iTimeDelta);
    if (iFrame == 0) color = vec3(0.0);
    for (int i = 0; i < FLIES; i++) {
        vec3 hue = 0.55 + 0.45 * cos(6.2831 * (float(i) / float(FLIES) + vec3(0.0, 0.33, 0.67)));
        // Two samples along the path since the last frame, so fast flies draw lines.
        for (int s = 0; s < 2; s++) {
            vec2 d = p - flyPosition(i, iTime - 0.5 * iTimeDelta * float(s));
            color += hue * 0.00045 / (dot(d, d) + 0.0004) * 0.5;
        }
    }
    fragColor = vec4(min(color, vec3(4.0)), 1.0);
}
