// Buffer A: one simulation step from the state Buffer D left last frame (iChannel0).

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 state;
    if (iFrame < 2) {
        state = seed(fragCoord, iResolution.xy);
    } else {
        state = reactionStep(iChannel0, fragCoord, iResolution.xy, iTime);
    }
    fragColor = vec4(withMouse(state, fragCoord, iMouse), 0.0, 1.0);
}
