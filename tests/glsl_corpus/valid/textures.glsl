// Every texture lookup a Shadertoy pass commonly uses.
void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = fragCoord / iResolution.xy;
    vec4 a = texture(iChannel0, uv);
    vec4 b = textureLod(iChannel1, uv, 2.0);
    vec4 c = texelFetch(iChannel2, ivec2(fragCoord) % textureSize(iChannel2, 0), 0);
    vec4 d = texture(iChannel3, uv * iChannelResolution[3].xy / iResolution.xy, -1.0);
    vec4 e = textureGrad(iChannel0, uv, dFdx(uv), dFdy(uv));
    fragColor = (a + b + c + d + e) / 5.0;
}
