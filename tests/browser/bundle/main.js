// A page as a user's Vite app builds it (tests/browser/bundle/vite.config.js, `npm run test:browser`
// builds it to dist/): Vite must find typegrad's worker entry and bundle it, and the DataLoader's Web
// Workers must then make the batches of workers: 0. Publishes { same, batches } as window.__bundle.

import { data, Generator, rand, tensor } from 'typegrad';

const { DataLoader, TensorDataset, transforms: T } = data;

async function batches(workers) {
  const images = new TensorDataset(rand([10, 3, 16, 16], { generator: new Generator(5) }), tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  const loader = new DataLoader(images.map(new T.Compose([new T.RandomRotation(30), new T.ColorJitter(0.5, 0.5, 0.5, 0.2)])), { batchSize: 4, shuffle: true, seed: 3, workers });
  const out = [];
  for await (const [x, y] of loader) out.push([Array.from(x.data), Array.from(y.data)]);
  await loader.close();
  return out;
}

window.__bundle = (async () => {
  const [main, workers] = [await batches(0), await batches(2)];
  return { same: JSON.stringify(main) === JSON.stringify(workers), batches: workers.length };
})().catch((e) => ({ threw: String(e?.stack ?? e) }));
