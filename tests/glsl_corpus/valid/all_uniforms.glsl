// Reads every Shadertoy uniform the prelude declares.
void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = fragCoord / iResolution.xy;
    vec2 mouse = iMouse.xy / iResolution.xy;
    bool pressed = iMouse.z > 0.0;
    float seconds = iDate.w;
    float fps = iFrameRate * iTimeDelta;
    float frame = float(iFrame % 60) / 60.0;
    float audio = iSampleRate / 44100.0 + iChannelTime[0] + iChannelTime[3];
    vec3 size = iChannelResolution[0] + iChannelResolution[1];
    float pixelAspect = iResolution.z;
    vec3 color = vec3(uv, frame) * (pressed ? 1.0 : 0.8);
    color += 0.001 * vec3(mouse, sin(seconds + iTime)) * fps * audio * pixelAspect;
    color += 0.0001 * size;
    fragColor = vec4(color, 1.0);
}
