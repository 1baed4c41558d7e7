// Ridge Flight: a raymarched heightfield at golden hour. Noise helpers are in Common.

const float SCALE = 0.25;
const float HEIGHT = 2.4;
const float FAR = 45.0;

float heightAt(vec2 xz, int octaves)
{
    return HEIGHT * terrain(xz * SCALE, octaves);
}

float march(vec3 ro, vec3 rd)
{
    float t = 0.5;
    for (int i = 0; i < 56; i++) {
        vec3 p = ro + rd * t;
        // Far away the fine octaves are below a pixel, so fewer are enough.
        float h = p.y - heightAt(p.xz, t < 8.0 ? 4 : 3);
        if (h < 0.003 * t || t > FAR) break;
        t += 0.6 * h;
    }
    return t;
}

vec3 normalAt(vec3 p, float t)
{
    float e = 0.002 * t;
    float h = heightAt(p.xz, 6);
    return normalize(vec3(h - heightAt(p.xz + vec2(e, 0.0), 6), e,
                          h - heightAt(p.xz + vec2(0.0, e), 6)));
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    float time = 0.6 * iTime;
    vec3 ro = vec3(1.5 * sin(0.2 * time), 0.0, time);
    ro.y = max(heightAt(ro.xz, 3), heightAt(ro.xz + vec2(0.0, 2.0), 3)) + 2.4;
    vec3 ahead = vec3(1.5 * sin(0.2 * (time + 2.0)), 0.0, time + 2.0);
    // Look along the path with a fixed slight downward tilt, so the horizon stays in view.
    vec3 forward = normalize(vec3(ahead.x - ro.x, -0.35, ahead.z - ro.z));
    vec3 right = normalize(cross(forward, vec3(0.0, 1.0, 0.0)));
    vec3 up = cross(right, forward);
    vec3 rd = normalize(p.x * right + p.y * up + 1.6 * forward);

    vec3 sunDir = normalize(vec3(-0.7, 0.35, 0.6));
    vec3 skyColor = mix(vec3(1.0, 0.75, 0.5), vec3(0.3, 0.45, 0.75), clamp(rd.y * 2.5, 0.0, 1.0));
    skyColor += vec3(1.0, 0.7, 0.4) * pow(clamp(dot(rd, sunDir), 0.0, 1.0), 32.0);

    float t = march(ro, rd);
    vec3 color = skyColor;
    if (t < FAR) {
        vec3 pos = ro + rd * t;
        vec3 n = normalAt(pos, t);
        float tone = noised(pos.xz * 1.7).z;
        vec3 rock = mix(vec3(0.33, 0.25, 0.19), vec3(0.52, 0.43, 0.34), tone);
        vec3 grass = vec3(0.25, 0.35, 0.12);
        vec3 albedo = mix(rock, grass, smoothstep(0.75, 0.9, n.y));
        float snow = smoothstep(0.6, 0.9, n.y) * smoothstep(1.6, 2.2, pos.y + 0.3 * n.x);
        albedo = mix(albedo, vec3(0.95), snow);
        float sun = clamp(dot(n, sunDir), 0.0, 1.0);
        float skyLight = 0.5 + 0.5 * n.y;
        float bounce = clamp(0.3 - 0.7 * dot(n.xz, sunDir.xz), 0.0, 1.0);
        color = albedo * (1.6 * sun * vec3(1.0, 0.8, 0.6) + 0.45 * skyLight * vec3(0.4, 0.55, 0.8)
                          + 0.25 * bounce * vec3(0.7, 0.45, 0.3));
        color = mix(color, skyColor * 0.9, 1.0 - exp(-0.0025 * t * t));
    }
    color = pow(color, vec3(0.4545));
    color = smoothstep(0.0, 1.0, color);
    fragColor = vec4(color, 1.0);
}
