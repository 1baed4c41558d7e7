// Precision statements and qualifiers on globals, locals and parameters.
precision mediump float;

lowp vec3 tint(in mediump vec2 uv)
{
    return vec3(uv, 0.5);
}

void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    highp vec2 uv = fragCoord / iResolution.xy;
    mediump float wave = sin(uv.x * 20.0 + iTime);
    lowp vec3 color = tint(uv) * (0.5 + 0.5 * wave);
    fragColor = vec4(color, 1.0);
}
