// SDF Garden: two blobs melt into a ring above a checkered floor.
// Raymarched signed distance fields with soft shadows and ambient occlusion.
// Drag the mouse to orbit the camera.

const int MAX_STEPS = 80;
const float MAX_DIST = 25.0;
const float SURFACE = 0.001;

float smin(float a, float b, float k)
{
    float h = clamp(0.5 + 0.5 * (b - a) / k, 0.0, 1.0);
    return mix(b, a, h) - k * h * (1.0 - h);
}

float sdTorus(vec3 p, vec2 radii)
{
    vec2 q = vec2(length(p.xz) - radii.x, p.y);
    return length(q) - radii.y;
}

// x: distance, y: material (0 floor, 1 blobs)
vec2 map(vec3 p)
{
    float t = iTime;
    vec3 a = vec3(1.1 * sin(0.7 * t), 0.15 + 0.35 * sin(1.3 * t), 1.1 * cos(0.7 * t));
    vec3 b = vec3(0.8 * cos(0.5 * t), 0.45 * sin(0.9 * t), 0.8 * sin(1.1 * t));
    float blobs = smin(length(p - a) - 0.55, length(p - b) - 0.45, 0.6);
    float ring = sdTorus(p - vec3(0.0, -0.55, 0.0), vec2(1.35, 0.16));
    blobs = smin(blobs, ring, 0.4);
    float ground = p.y + 0.9;
    return blobs < ground ? vec2(blobs, 1.0) : vec2(ground, 0.0);
}

vec3 normalAt(vec3 p)
{
    const vec2 e = vec2(1.0, -1.0) * 0.0008;
    return normalize(e.xyy * map(p + e.xyy).x + e.yyx * map(p + e.yyx).x +
                     e.yxy * map(p + e.yxy).x + e.xxx * map(p + e.xxx).x);
}

vec2 march(vec3 ro, vec3 rd)
{
    float t = 0.0;
    for (int i = 0; i < MAX_STEPS; i++) {
        vec2 h = map(ro + rd * t);
        if (h.x < SURFACE * t) return vec2(t, h.y);
        t += h.x;
        if (t > MAX_DIST) break;
    }
    return vec2(-1.0);
}

// Penumbra estimate: how close the shadow ray passes to any surface.
float softShadow(vec3 ro, vec3 rd, float k)
{
    float light = 1.0;
    float t = 0.02;
    for (int i = 0; i < 32; i++) {
        float h = map(ro + rd * t).x;
        light = min(light, k * h / t);
        t += clamp(h, 0.02, 0.25);
        if (light < 0.001 || t > 8.0) break;
    }
    return clamp(light, 0.0, 1.0);
}

float ambientOcclusion(vec3 p, vec3 n)
{
    float occ = 0.0;
    float weight = 1.0;
    for (int i = 1; i <= 5; i++) {
        float h = 0.04 * float(i);
        occ += (h - map(p + n * h).x) * weight;
        weight *= 0.7;
    }
    return clamp(1.0 - 3.0 * occ, 0.0, 1.0);
}

vec3 sky(vec3 rd)
{
    return mix(vec3(0.85, 0.9, 1.0), vec3(0.35, 0.55, 0.9), clamp(rd.y * 1.5, 0.0, 1.0));
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    float yaw = 0.15 * iTime + (iMouse.z > 0.0 ? 6.0 * iMouse.x / iResolution.x : 0.0);
    float pitch = iMouse.z > 0.0 ? 0.1 + 0.8 * iMouse.y / iResolution.y : 0.35;
    vec3 ro = 4.2 * vec3(cos(yaw) * cos(pitch), sin(pitch), sin(yaw) * cos(pitch));
    vec3 forward = normalize(-ro);
    vec3 right = normalize(cross(forward, vec3(0.0, 1.0, 0.0)));
    vec3 up = cross(right, forward);
    vec3 rd = normalize(p.x * right + p.y * up + 1.8 * forward);

    vec3 color = sky(rd);
    vec2 hit = march(ro, rd);
    if (hit.x > 0.0) {
        vec3 pos = ro + rd * hit.x;
        vec3 n = normalAt(pos);
        vec3 sunDir = normalize(vec3(0.7, 0.45, 0.35));
        vec3 albedo;
        if (hit.y < 0.5) {
            vec2 tile = floor(pos.xz * 1.5);
            albedo = mix(vec3(0.75, 0.72, 0.66), vec3(0.42, 0.46, 0.52),
                         mod(tile.x + tile.y, 2.0));
        } else {
            albedo = 0.55 + 0.45 * cos(6.2831 * (0.15 * pos.y + vec3(0.0, 0.33, 0.67)) + iTime);
        }
        float diffuse = clamp(dot(n, sunDir), 0.0, 1.0) * softShadow(pos + n * 0.01, sunDir, 10.0);
        float ao = ambientOcclusion(pos, n);
        float fresnel = pow(1.0 - clamp(dot(n, -rd), 0.0, 1.0), 4.0);
        float specular = pow(clamp(dot(reflect(rd, n), sunDir), 0.0, 1.0), 24.0) * diffuse;
        color = albedo * (1.3 * diffuse * vec3(1.0, 0.93, 0.8) + 0.35 * ao * sky(n));
        color += 0.5 * specular + 0.25 * fresnel * ao * sky(reflect(rd, n));
        color = mix(color, sky(rd), 1.0 - exp(-0.004 * hit.x * hit.x));
    }
    color = pow(color, vec3(0.4545));
    color *= 1.0 - 0.25 * dot(p, p) * 0.25;
    fragColor = vec4(color, 1.0);
}
