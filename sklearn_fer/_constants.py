"""Constants shared by the whole package."""

EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
N_CLASSES = len(EMOTIONS)
IMAGE_SIZE = 48
IMAGE_SHAPE = (IMAGE_SIZE, IMAGE_SIZE)
N_PIXELS = IMAGE_SIZE * IMAGE_SIZE
USAGES = ("Training", "PublicTest", "PrivateTest")
