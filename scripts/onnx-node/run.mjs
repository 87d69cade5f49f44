// Runs a classifier exported by `loupe export --onnx` with onnxruntime-node, the way a JavaScript user would:
//   node run.mjs MODEL.onnx PIXELS.f32 N HEIGHT WIDTH OUT.json
// PIXELS.f32 holds N x HEIGHT x WIDTH x 3 little-endian float32 RGB values 0..255 (images already fitted to the
// model's size). OUT.json gets the model's input and output names and the probabilities, one row per image.
import { readFileSync, writeFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const [model, pixelsFile, n, height, width, out] = process.argv.slice(2);
const shape = [Number(n), Number(height), Number(width), 3];
const bytes = readFileSync(pixelsFile);
const pixels = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
if (pixels.length !== shape.reduce((a, b) => a * b)) {
  throw new Error(`${pixelsFile} holds ${pixels.length} values, not ${shape.join('x')}`);
}
const session = await ort.InferenceSession.create(model);
const result = await session.run({ image: new ort.Tensor('float32', pixels, shape) });
const probabilities = result.probabilities;
const classes = probabilities.dims[1];
const rows = [];
for (let i = 0; i < shape[0]; i++) {
  rows.push(Array.from(probabilities.data.subarray(i * classes, (i + 1) * classes)));
}
writeFileSync(out, JSON.stringify({
  inputNames: session.inputNames,
  outputNames: session.outputNames,
  dims: probabilities.dims,
  probabilities: rows,
}));
