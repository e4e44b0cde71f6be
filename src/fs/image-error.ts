/**
 * ImageError: the image cannot be used as it is (not an image, wrong version, damaged, truncated,
 * already mounted). Carries the exit code the CLI returns; raising it never changes the image.
 */
import { FsError, type ErrnoCode } from '../util/errno.js';

export class ImageError extends FsError {
  readonly exitCode: number;

  constructor(message: string, code: ErrnoCode = 'EIO', exitCode = 1) {
    super(code, message);
    this.name = 'ImageError';
    this.exitCode = exitCode;
  }
}
