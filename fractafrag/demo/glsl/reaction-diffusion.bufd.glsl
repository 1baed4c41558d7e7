// Buffer D: one more step, from Buffer C's result this frame (iChannel0).

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 state = reactionStep(iChannel0, fragCoord, iResolution.xy, iTime);
    fragColor = vec4(state, 0.0, 1.0);
}
