/** ImagePreprocessing: how a client makes a version's input tensor from an image, as its model.json says. */
import type { ImagePreprocessing } from '../../registry/image-preprocessing.ts';
import type { CHANNEL_ORDERS, IMAGE_LAYOUTS, IMAGE_RESIZES } from '../../repository/model-config.ts';
import type { Builder } from '../builder.ts';

export function addPreprocessingTypes(builder: Builder) {
  const Layout = builder.enumType('ImageLayout', {
    description: "How the image's values lie in the tensor, after a batch dim of 1 (Triton's FORMAT_NCHW and FORMAT_NHWC).",
    values: {
      NCHW: { description: '[1, channels, height, width]: channel planes, as PyTorch and PaddleOCR take images.' },
      NHWC: { description: '[1, height, width, channels]: interleaved pixels, as TensorFlow takes images.' },
      FLAT: { description: '[1, height × width × channels]: one row of pixels after another, interleaved.' },
    } satisfies Record<(typeof IMAGE_LAYOUTS)[number], unknown>,
  });
  const ChannelOrder = builder.enumType('ChannelOrder', {
    description: "The image's channels in the tensor.",
    values: {
      RGB: { description: 'Red, green, blue.' },
      BGR: { description: "Blue, green, red: OpenCV's order, for models trained on cv2.imread images." },
      GRAY: { description: 'One channel: 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601).' },
    } satisfies Record<(typeof CHANNEL_ORDERS)[number], unknown>,
  });
  const Resize = builder.enumType('ImageResize', {
    description: 'How the image is brought to height × width.',
    values: {
      STRETCH: { description: 'Resized to height × width, its aspect ratio not kept.' },
      KEEP_ASPECT_PAD_RIGHT: {
        description:
          'Resized to the height keeping its aspect ratio (squeezed to the width when wider), then padded on the right ' +
          "with 0 in the tensor to the width, as PaddleOCR's text classifier and recognizer take a text line.",
      },
      FIT_MULTIPLE_OF_32: {
        description:
          'Scaled down, never up, keeping its aspect ratio to fit height × width; then each side rounded to a multiple of 32 ' +
          "(at least 32), as PaddleOCR's text detector takes a page. The tensor's height and width vary with the image.",
      },
    } satisfies Record<(typeof IMAGE_RESIZES)[number], unknown>,
  });

  return builder.objectRef<ImagePreprocessing>('ImagePreprocessing').implement({
    description:
      "How to make this version's input tensor from an image, from the model's model.json: composite over white, " +
      "resize, values in [0, 1], invert when asked, then (value − mean) / std per channel, laid out. The SDK's imageTensor applies it.",
    fields: (t) => ({
      input: t.string({
        nullable: true,
        description: 'The input the image fills; null before the version has loaded when model.json names none.',
        resolve: (preprocessing) => preprocessing.input,
      }),
      layout: t.field({ type: Layout, resolve: (preprocessing) => preprocessing.layout }),
      channelOrder: t.field({ type: ChannelOrder, resolve: (preprocessing) => preprocessing.channelOrder }),
      height: t.exposeInt('height', { description: 'In pixels; the most it may be with FIT_MULTIPLE_OF_32.' }),
      width: t.exposeInt('width', { description: 'In pixels; the most it may be with FIT_MULTIPLE_OF_32.' }),
      maxWidth: t.int({
        nullable: true,
        description:
          'With KEEP_ASPECT_PAD_RIGHT: a line wider than width at this height is padded to the next multiple of width, up to ' +
          'maxWidth (squeezed past it), instead of being squeezed to width. Null when lines are always squeezed.',
        resolve: (preprocessing) => preprocessing.maxWidth,
      }),
      resize: t.field({ type: Resize, resolve: (preprocessing) => preprocessing.resize }),
      mean: t.floatList({
        description: "Subtracted from each channel, in the tensor's channel order, from values in [0, 1] (torchvision's Normalize).",
        resolve: (preprocessing) => preprocessing.mean,
      }),
      std: t.floatList({ description: 'What each channel is then divided by.', resolve: (preprocessing) => preprocessing.std }),
      invert: t.exposeBoolean('invert', {
        description: 'Each value v in [0, 1] becomes 1 − v before mean and std: dark ink on light paper becomes ink 1 on 0.',
      }),
    }),
  });
}
