import { ChildWorkflowFailure, defineActivity, defineWorkflow } from '@reprise/core';

/** A broken image: resizing it can never work, so it is not retried. */
export class UnreadableImage extends Error {
  override readonly name = 'UnreadableImage';
}

/** Resizes an image; `*.flaky.*` images fail their first attempt. */
export const resize = defineActivity(
  'resize',
  async (image: string, actx) => {
    if (image.includes('corrupt')) throw new UnreadableImage(`${image} is not an image`);
    if (image.includes('.flaky.') && actx.attempt === 1) throw new Error('out of memory');
    return { thumbnail: image.replace(/\.(\w+)$/, '.thumb.$1'), attempts: actx.attempt };
  },
  { retry: { initialInterval: '50ms', maximumAttempts: 3, nonRetryableErrorTypes: ['UnreadableImage'] } },
);

/** One image: resize, then a short pause standing for the upload. Each is a run of its own. */
export const thumbnail = defineWorkflow('thumbnail', async (ctx, image: string) => {
  const resized = await ctx.activity(resize, image);
  await ctx.sleep('100ms');
  return resized;
});

/**
 * Fans out one child workflow per image and gathers them: every child is an actor under the
 * `thumbnail` type's supervisor, with its own history; a failed child arrives as a
 * `ChildWorkflowFailure` and the batch carries on.
 */
export const thumbnailBatch = defineWorkflow('thumbnail-batch', async (ctx, images: string[]) => {
  const settled = await Promise.all(
    images.map((image, index) =>
      ctx.child(thumbnail, image, { workflowId: `${ctx.workflowId}/${index}` }).then(
        (result) => ({ image, ok: true as const, thumbnail: result.thumbnail, attempts: result.attempts }),
        (error: unknown) => ({
          image,
          ok: false as const,
          reason: error instanceof ChildWorkflowFailure ? error.failure.message : String(error),
        }),
      ),
    ),
  );
  return {
    done: settled.filter((item) => item.ok),
    failed: settled.filter((item) => !item.ok),
  };
});

export const workflows = [thumbnailBatch, thumbnail];
export const activities = [resize];
